import type { Knex } from 'knex';

/**
 * Nonces of signed bridge requests, in the database so every app instance refuses a
 * replay the same (DESIGN.md "Data"). Kept as long as a request bearing them could still
 * pass the timestamp check; `mfa purge` deletes the older ones.
 */
export class BridgeNonces {
  constructor(private readonly db: Knex) {}

  /**
   * Records the nonce; false when this client used it before (a replay). The primary key
   * decides, so two copies of one request sent at once cannot both pass.
   */
  async remember(clientId: string, nonce: string, at: number): Promise<boolean> {
    try {
      await this.db('mfa_bridge_nonces').insert({ client_id: clientId, nonce, seen_at: at });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Deletes nonces seen before `before` (epoch ms): their requests are stale now anyway. */
  async purge(before: number, db: Knex = this.db): Promise<number> {
    return db('mfa_bridge_nonces').where('seen_at', '<', before).delete();
  }
}

function isDuplicateKey(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT';
}
