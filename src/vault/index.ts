// fieldguard/vault: the token vault, its key ring and its stores.
export { createVault, type Vault, type VaultOptions, type TokenizeOptions, type TokenizeItem, type DetokenizeOptions, type DetokenizeItem } from './vault.js';
export { keyRing, isKeyRing, type KeyRing, type KeyRingOptions } from './keys.js';
export { memoryStore } from './memory-store.js';
export { sqliteStore, type SqliteDatabase, type SqliteStoreOptions } from './sqlite-store.js';
export { redisStore, type RedisClientLike, type RedisStoreOptions } from './redis-store.js';
export type { VaultStore, TokenRecord, AllocateItem, Allocation, FoundToken, RekeyUpdate } from './store.js';
export type { TokenFormat } from './tokens.js';
export { stdoutAudit, type AuditEvent, type AuditSink } from './audit.js';
export { postgresStore, type PostgresPoolLike, type PostgresResultLike, type PostgresStoreOptions } from './postgres-store.js';
