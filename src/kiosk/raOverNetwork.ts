import {
  certificatesOverRa,
  closeOverRa,
  registerOverRa,
  revokeOverRa,
  type RaConnection,
} from '../ca/ra/client.js';
import type { RaClient } from './ra.js';

/**
 * The kiosk's RA over the network (issue 13 item 3): the branch's RA client certificate, HTTPS
 * with mutual TLS to the CA's RA endpoint (src/ca/ra/). The resident number travels as JSON, so
 * it is a string for the length of the request; the authorization code comes back as one and is
 * handed on as bytes for the vault.
 */
export function raOverNetwork(connection: RaConnection): RaClient {
  return {
    async register(request, signal) {
      const registration = await registerOverRa(
        connection,
        {
          name: request.name,
          idn: Buffer.from(request.idn).toString('ascii'),
          profile: request.profile,
          approvedBy: request.approvedBy,
          evidence: request.evidence,
        },
        signal,
      );
      return {
        ref: registration.ref,
        authCode: Buffer.from(registration.authCode, 'ascii'),
        expires: registration.expires,
      };
    },
    certificates: (ref, signal) => certificatesOverRa(connection, ref, signal),
    async revoke(revocation, signal) {
      await revokeOverRa(connection, revocation, signal);
    },
    async close(ref, signal, confirm) {
      const { certificates } = await closeOverRa(connection, ref, signal, confirm);
      return { certificates };
    },
  };
}
