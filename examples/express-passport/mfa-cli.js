// The admin command line over this app's users: `MFA_CLI_MODULE=./mfa-cli.js npx mfa-bridge help`.
// Settings, reset ("lost my phone"), unlock and key rotation, through the Host contract.
import { createMfaCli } from 'mfa-bridge/cli';
import { appHost } from './host.js';

export default createMfaCli({
  host: (db) => appHost(db, { siteName: 'Example app', origin: process.env.SITE_ORIGIN ?? 'http://localhost:3000' }),
  databaseUrl: (env) => `sqlite:${env.DATABASE_FILE ?? 'example.sqlite'}`,
});
