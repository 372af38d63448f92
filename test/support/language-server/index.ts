export * from './lsp-client';
export * from './handshake';
export * from './locate-bundle';
export * from './suggestion-telemetry';
export * from './fleet';
export * from './streaming';
export * from './workspace';
