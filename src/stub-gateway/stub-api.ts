/** The gateway APIs a fault can target (its own file: fault.registry and the types both use it). */
export type StubApi = 'v2' | 'v3' | 'v4';
