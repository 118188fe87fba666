import { execFileSync, spawnSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTlsIdentity, handshakeCertificate } from "../../../src/provider/protocol/tls";

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;
const withOpenssl = hasOpenssl ? test : test.skip;

describe("tls identity", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "tls-test-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("is a self-signed CA certificate for localhost, usable for server and client auth, valid from 30 s ago for a year", () => {
    // GIVEN
    const now = new Date("2030-05-01T12:00:00Z");

    // WHEN
    const identity = createTlsIdentity(now);

    // THEN
    const cert = new X509Certificate(identity.certPem);
    expect(cert.subject).toBe("CN=localhost");
    expect(cert.issuer).toBe("CN=localhost");
    expect(cert.subjectAltName).toBe("DNS:localhost");
    expect(cert.ca).toBe(true);
    expect(cert.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
    expect(new Date(cert.validFrom).toISOString()).toBe("2030-05-01T11:59:30.000Z");
    expect(new Date(cert.validTo).toISOString()).toBe("2031-05-01T12:00:00.000Z");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(identity.keyPem))).toBe(true);
  });

  test("every identity has its own key and serial number", () => {
    const a = new X509Certificate(createTlsIdentity().certPem);
    const b = new X509Certificate(createTlsIdentity().certPem);
    expect(a.serialNumber).not.toBe(b.serialNumber);
    expect(a.publicKey.export({ format: "der", type: "spki" })).not.toEqual(b.publicKey.export({ format: "der", type: "spki" }));
  });

  test("the handshake form is the DER in standard base64 without padding", () => {
    const identity = createTlsIdentity();
    const encoded = handshakeCertificate(identity.certDer);
    expect(encoded).not.toMatch(/=/);
    expect(Buffer.from(encoded, "base64")).toEqual(identity.certDer);
  });

  withOpenssl("openssl parses it and verifies it against itself as a TLS server certificate for localhost", () => {
    // GIVEN
    const file = join(dir, "cert.pem");
    writeFileSync(file, createTlsIdentity().certPem);

    // WHEN
    const text = execFileSync("openssl", ["x509", "-in", file, "-noout", "-text"], { encoding: "utf8" });
    const verify = execFileSync("openssl", ["verify", "-CAfile", file, "-purpose", "sslserver", "-verify_hostname", "localhost", file], { encoding: "utf8" });

    // THEN
    expect(text).toMatch(/Version: 3/);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(/NIST CURVE: P-256/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment, Certificate Sign/);
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(verify.trim()).toBe(`${file}: OK`);
  });
});
