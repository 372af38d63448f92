export * from './lsp-client';
export * from './handshake';
export * from './locate-bundle';
export * from './streaming';
