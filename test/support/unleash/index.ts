export * from './unleash-server';
export * from './unleash-admin';
