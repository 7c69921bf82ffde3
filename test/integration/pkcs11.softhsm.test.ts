import { GraphenePkcs11Driver } from '../../drivers/pkcs11/graphenePkcs11.js';
import { pkcs11ContractSuite } from '../contract/pkcs11.js';
import { softhsmModule, softhsmSoPin as soPin, softhsmWorld } from '../support/softhsm.js';

// The PKCS#11 contract against a real token: SoftHSM2 through graphene-pk11 (DESIGN §3.3).
const world = softhsmWorld();

pkcs11ContractSuite(
  'SoftHSM2 through graphene-pk11',
  () => {
    const pin = '246810';
    const { label } = world.newToken(pin);
    const driver = new GraphenePkcs11Driver(softhsmModule);
    return Promise.resolve({ driver, label, pin, soPin, cleanup: () => driver.close() });
  },
  false,
);
