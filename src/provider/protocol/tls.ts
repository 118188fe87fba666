/**
 * The provider's TLS identity: a fresh EC P-256 key and a self-signed X.509 v3 certificate made at
 * every start, like HashiCorp go-plugin's own (`generateCert` in its mtls.go): CN and DNS name
 * "localhost", a CA that may sign certificates, usable for server and client authentication, valid from
 * 30 s ago (clock skew) for a year. Terraform reads it from the handshake line, trusts it as its only
 * root, and verifies the server name "localhost"; the same kind of certificate, sent by Terraform in
 * PLUGIN_CLIENT_CERT, is the only client the provider accepts. Node can make the key but not the
 * certificate, hence the DER encoding below.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import * as der from "./der";

/** A certificate with its private key, in the forms gRPC and the handshake line need. */
export interface TlsIdentity {
  /** PEM "CERTIFICATE": the server's `cert_chain`. */
  readonly certPem: string;
  /** PEM "PRIVATE KEY" (PKCS #8): the server's `private_key`. */
  readonly keyPem: string;
  /** The certificate's DER bytes: base64 on the handshake line. */
  readonly certDer: Buffer;
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
};

const HOST = "localhost";
const VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;
const SKEW_MS = 30 * 1000;
/** The uncompressed EC point ends every P-256 SubjectPublicKeyInfo. */
const P256_POINT_LENGTH = 65;

/** Makes a new key pair and a self-signed certificate for "localhost" (a few milliseconds). */
export function createTlsIdentity(now: Date = new Date()): TlsIdentity {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const tbs = tbsCertificate(spki, now);
  const signature = sign("sha256", tbs, privateKey); // DER Ecdsa-Sig-Value
  const certDer = der.sequence(tbs, algorithm(), der.bitString(signature));
  return {
    certPem: toPem("CERTIFICATE", certDer),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    certDer,
  };
}

/** The base64 of a DER certificate without padding, as go-plugin's handshake line carries it. */
export const handshakeCertificate = (certDer: Uint8Array): string => Buffer.from(certDer).toString("base64").replace(/=+$/, "");

function tbsCertificate(spki: Buffer, now: Date): Buffer {
  const name = der.sequence(der.set(der.sequence(der.objectIdentifier(OID.commonName), der.utf8String(HOST))));
  return der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(serialNumber()),
    algorithm(),
    name, // issuer: self-signed
    der.sequence(der.time(new Date(now.getTime() - SKEW_MS)), der.time(new Date(now.getTime() + VALIDITY_MS))),
    name, // subject
    spki,
    der.explicit(3, der.sequence(...extensions(spki))),
  );
}

function extensions(spki: Buffer): Buffer[] {
  const point = spki.subarray(spki.length - P256_POINT_LENGTH);
  // digitalSignature (bit 0) | keyEncipherment (bit 2) | keyCertSign (bit 5): 1010 0100, 2 unused bits.
  const keyUsage = der.bitString(Buffer.from([0xa4]), 2);
  return [
    extension(OID.keyUsage, true, keyUsage),
    extension(OID.extKeyUsage, false, der.sequence(der.objectIdentifier(OID.serverAuth), der.objectIdentifier(OID.clientAuth))),
    extension(OID.basicConstraints, true, der.sequence(der.boolean(true))), // cA, no path length limit
    extension(OID.subjectKeyIdentifier, false, der.octetString(createHash("sha1").update(point).digest())),
    extension(OID.subjectAltName, false, der.sequence(der.implicitPrimitive(2, Buffer.from(HOST, "ascii")))), // dNSName
  ];
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? der.sequence(der.objectIdentifier(oid), der.boolean(true), der.octetString(value))
    : der.sequence(der.objectIdentifier(oid), der.octetString(value)); // DER omits the default FALSE
}

const algorithm = (): Buffer => der.sequence(der.objectIdentifier(OID.ecdsaWithSha256));

/** 128 random bits, positive (RFC 5280: at most 20 octets, non-negative). */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01; // never zero, never shorter than 16 bytes
  return bytes;
}

function toPem(label: string, body: Buffer): string {
  const lines = body.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
