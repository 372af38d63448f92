/**
 * `() => string`: the AI Gateway base URL in force now (settings' ai_gateway_url, else AIGW_URL,
 * else the built-in stub), no trailing slash, read at call time. GatewayModule provides it.
 */
export type GatewayBaseUrl = () => string;
export const GATEWAY_BASE_URL = Symbol('GATEWAY_BASE_URL');
