// Profiles written by Firefox itself. Firefox ESR is started on an empty profile folder through Marionette and given
// certificates from chrome code the way its Certificate Manager and the `Certificates.Install` policy give them
// (nsIX509CertDB.addCertFromBase64(base64, trust): "C,," trusts a root, "p,p,p" distrusts it), then asked to quit.
// Its cert9.db then holds the trust as today's Firefox stores it (PKCS#11 v3.2 CKO_TRUST objects), and the folder
// the compatibility.ini that names the installation. Used by e2e-firefox-written-profile.mjs; about 10 s a profile.
import fs from 'node:fs';
import { launchMarionette } from './marionette.mjs';

// `certs`: [{ pem, trust }]. Returns the SHA-256 fingerprints Firefox gives the certificates it stored.
export async function firefoxWritesProfile({ profileDir, home, certs }) {
  fs.mkdirSync(profileDir, { recursive: true });
  const base64 = certs.map(({ pem, trust }) => ({
    base64: pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''),
    trust,
  }));
  const session = await launchMarionette({ profileDir, home });
  try {
    return await session.chrome((list) => {
      // Chrome code: what the Certificate Manager's import and the enterprise policy call.
      const db = Components.classes['@mozilla.org/security/x509certdb;1'].getService(Components.interfaces.nsIX509CertDB);
      return list.map(({ base64, trust }) => db.addCertFromBase64(base64, trust).sha256Fingerprint);
    }, base64);
  } finally {
    await session.close();
  }
}
