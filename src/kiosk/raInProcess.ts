import type { CaDatabase } from '../ca/database.js';
import { checkRegistrationRequest } from '../ca/ra/registrationRequest.js';
import {
  closeRegistration,
  holderCertificatesFor,
  revokeForHolder,
} from '../ca/ra/holderRequests.js';
import { RaRefusedError } from '../errors/index.js';
import type { RaClient } from './ra.js';

/**
 * The RA in the CA's own process (the operator's embedded CA, the demo and the tests): the same
 * checks as the RA endpoint (src/ca/ra/), straight on the CA's database, the registrations naming
 * no RA client. A branch kiosk uses raOverNetwork instead.
 */
export function raInProcess(db: CaDatabase, now: () => Date = () => new Date()): RaClient {
  const where = 'in-process RA';
  const refused = (status: number, error: string) => new RaRefusedError(where, status, error);
  return {
    register(request) {
      // The same checks as the endpoint's: the IDN lives as a string for this call only.
      const checked = checkRegistrationRequest(
        { ...request, idn: Buffer.from(request.idn).toString('ascii') },
        now(),
      );
      if (!checked.ok) return Promise.reject(refused(400, checked.error));
      const { name, idn, profile, vidRequired, approvedBy, evidence } = checked.registration;
      const made = db.register(name, idn, profile, now().getTime(), vidRequired, {
        approvedBy,
        evidence,
      });
      return Promise.resolve({
        ref: made.ref,
        authCode: Buffer.from(made.authCode, 'ascii'),
        expires: made.expires,
      });
    },
    certificates(ref) {
      const found = holderCertificatesFor(db, undefined, ref, now().getTime());
      return found.ok
        ? Promise.resolve(found.value)
        : Promise.reject(refused(found.status, found.error));
    },
    revoke(revocation) {
      const done = revokeForHolder(db, undefined, revocation, now().getTime());
      return done.ok ? Promise.resolve() : Promise.reject(refused(done.status, done.error));
    },
    close(ref, _signal, confirm) {
      const body =
        confirm === undefined
          ? { ref }
          : { ref, confirm: { serial: confirm.serial, certHash: confirm.certHash } };
      const done = closeRegistration(db, undefined, body, now().getTime());
      return done.ok
        ? Promise.resolve({ certificates: done.value.certificates })
        : Promise.reject(refused(done.status, done.error));
    },
  };
}
