// Verifies the "tsunagi" RFC 9421 signature of one request with the http-message-signatures
// package: an implementation of the RFC that we did not write, used by
// tests/interop/rfc9421_interop_test.cpp.
//
//   node verify.mjs REQUEST.json
//
// REQUEST.json: {"method", "url", "headers": {name: value}, "publicKeyPem",
//                "keyId" (optional: the keyid the signature must name),
//                "body" (optional, UTF-8: also check the sha-256 member of Content-Digest)}
// Exit 0: verified. Exit 1: rejected, with the reason on stderr. Exit 2: unusable input.
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

import messageSignatures from 'http-message-signatures';
import { parseDictionary, serializeDictionary } from 'structured-headers';

const LABEL = 'tsunagi';
const ALGORITHM = 'ecdsa-p256-sha256';
const REQUIRED_COMPONENTS = ['@method', '@target-uri', 'content-digest'];
const REQUIRED_PARAMS = ['created', 'keyid', 'alg'];

class Rejected extends Error {}

// The library verifies every label it finds; the profile is about one, so it sees only that one.
function onlyOurMember(field, value) {
  let dictionary;
  try {
    dictionary = parseDictionary(value);
  } catch (e) {
    throw new Rejected(`${field}: not a structured-field dictionary (${e.message})`);
  }
  if (!dictionary.has(LABEL)) throw new Rejected(`${field}: no "${LABEL}" member`);
  return serializeDictionary(new Map([[LABEL, dictionary.get(LABEL)]]));
}

function checkBodyDigest(contentDigest, body) {
  const member = parseDictionary(contentDigest).get('sha-256');
  const bytes = member?.[0];
  if (!(bytes instanceof ArrayBuffer) && !ArrayBuffer.isView(bytes)) {
    throw new Rejected('Content-Digest: no sha-256 byte sequence');
  }
  const expected = createHash('sha256').update(body, 'utf8').digest();
  if (!Buffer.from(bytes).equals(expected)) {
    throw new Rejected('Content-Digest: sha-256 does not match the body');
  }
}

async function verify(request) {
  const headers = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  for (const name of ['signature-input', 'signature', 'content-digest']) {
    if (typeof headers[name] !== 'string') throw new Rejected(`no ${name} header`);
  }
  headers['signature-input'] = onlyOurMember('Signature-Input', headers['signature-input']);
  headers.signature = onlyOurMember('Signature', headers.signature);

  const publicKey = createPublicKey(request.publicKeyPem);
  let seen = null;
  const result = await messageSignatures.httpbis.verifyMessage(
    {
      async keyLookup(params) {
        seen = params;
        if (request.keyId !== undefined && params.keyid !== request.keyId) return null;
        return {
          id: params.keyid,
          algs: [ALGORITHM],
          verify: messageSignatures.createVerifier(publicKey, ALGORITHM),
        };
      },
      requiredFields: REQUIRED_COMPONENTS,
      requiredParams: REQUIRED_PARAMS,
      tolerance: 5,
    },
    { method: request.method, url: request.url, headers },
  );
  if (result === null) throw new Rejected(`unknown keyid "${seen?.keyid}"`);
  if (result !== true) throw new Rejected('signature does not verify');
  if (request.body !== undefined) checkBodyDigest(headers['content-digest'], request.body);
  return seen;
}

async function main(argv) {
  if (argv.length !== 1) {
    console.error('usage: node verify.mjs REQUEST.json');
    return 2;
  }
  let request;
  try {
    request = JSON.parse(readFileSync(argv[0], 'utf8'));
  } catch (e) {
    console.error(`${argv[0]}: ${e.message}`);
    return 2;
  }
  try {
    const params = await verify(request);
    console.log(`verified: keyid="${params.keyid}" created=${params.created.getTime() / 1000}`);
    return 0;
  } catch (e) {
    console.error(`rejected: ${e instanceof Rejected ? e.message : `${e.name}: ${e.message}`}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
