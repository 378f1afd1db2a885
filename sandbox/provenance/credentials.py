"""C2PA Content Credentials with ``c2pa-python``: sign every MP4, read and validate any video.

A local EC P-256 CA and signing certificate are created on first run under ``<data>/keys`` (the
``cryptography`` library). A real certificate chain and key can be configured instead with
``SANDBOX_C2PA_CERT`` / ``SANDBOX_C2PA_KEY`` (PEM files).
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
GENERATION_LABEL = "org.sandbox.generation"


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def create_local_keys(key_dir: Path) -> tuple[Path, Path]:
    """A local CA and an end-entity signing certificate (EC P-256), as the C2PA spec's profile wants them."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sandbox (local, untrusted)")])

    def usage(sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=not sign, crl_sign=not sign,
                             encipher_only=False, decipher_only=False)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("sandbox local CA")).issuer_name(name("sandbox local CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(usage(sign=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(name("sandbox signer")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(sign=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    cert_path, key_path = key_dir / "signer-chain.pem", key_dir / "signer-key.pem"
    _write_private(key_path, key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    cert_path.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    return cert_path, key_path


@dataclass
class CredentialReport:
    """What a video's Content Credentials say, for the Verify tab and ``/verify``."""

    has_manifest: bool
    state: str = "none"  # none | Valid | Trusted | Invalid
    valid: bool = False
    altered: bool = False
    signed_here: bool = False
    ai_generated: bool = False
    claims: dict = field(default_factory=dict)
    parents: list[dict] = field(default_factory=list)
    shots: list[dict] = field(default_factory=list)  # a storyboard's shots (``componentOf`` ingredients), in order
    problems: list[str] = field(default_factory=list)


class ContentCredentials:
    """Signs MP4s with a C2PA manifest and reads them back.

    >>> cc = ContentCredentials(tmp_path / "keys")  # doctest: +SKIP
    >>> cc.sign(src, dest, {"model": "Wan-AI/…", "creator": "ana", "prompt_sha256": "…"})  # doctest: +SKIP
    >>> cc.read(dest).valid  # doctest: +SKIP
    True
    """

    def __init__(self, key_dir: Path, cert_path: Path | None = None, key_path: Path | None = None) -> None:
        if (cert_path is None) != (key_path is None):
            raise ValueError("set both `SANDBOX_C2PA_CERT` and `SANDBOX_C2PA_KEY`, or neither")
        if cert_path is None:
            cert_path, key_path = Path(key_dir) / "signer-chain.pem", Path(key_dir) / "signer-key.pem"
            if not (cert_path.exists() and key_path.exists()):
                cert_path, key_path = create_local_keys(Path(key_dir))
        self.cert_pem = Path(cert_path).read_bytes()
        self.key_pem = Path(key_path).read_bytes()
        from cryptography import x509

        self.serial = str(x509.load_pem_x509_certificates(self.cert_pem)[0].serial_number)  # decimal, as c2pa reports

    def _signer(self):
        import c2pa

        return c2pa.Signer.from_info(c2pa.C2paSignerInfo(alg=b"es256", sign_cert=self.cert_pem,
                                                         private_key=self.key_pem, ta_url=None))

    def sign(self, src: Path, dest: Path, claims: dict, parent: Path | None = None,
             components: list[Path] | None = None) -> None:
        """Write ``src`` to ``dest`` with a manifest: created by a trained algorithm, the generator, the
        creator, the prompt's hash; the parent video as a ``parentOf`` ingredient for remixes; each of
        ``components`` (a storyboard's shots, in order) as a ``componentOf`` ingredient."""
        import c2pa

        from sandbox import __version__

        manifest = {
            "claim_generator_info": [{"name": "sandbox", "version": __version__}],
            "title": Path(dest).name,
            "format": "video/mp4",
            "assertions": [
                {"label": "c2pa.actions", "data": {"actions": [{
                    "action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                    "softwareAgent": {"name": claims.get("model", "unknown"),
                                      "version": claims.get("model_revision", "")}}]}},
                {"label": GENERATION_LABEL, "data": claims},
            ],
        }
        builder = c2pa.Builder(manifest)
        if parent is not None:
            with open(parent, "rb") as p:
                builder.add_ingredient({"title": "parent.mp4", "relationship": "parentOf"}, "video/mp4", p)
        for component in components or []:
            with open(component, "rb") as c:
                builder.add_ingredient({"title": Path(component).name, "relationship": "componentOf"},
                                       "video/mp4", c)
        with open(src, "rb") as s, open(dest, "w+b") as d:
            builder.sign(self._signer(), "video/mp4", s, d)

    def read(self, path: Path) -> CredentialReport:
        import c2pa

        try:
            with open(path, "rb") as f:
                reader = c2pa.Reader("video/mp4", f)
                store = json.loads(reader.json())
                state = reader.get_validation_state() or "Invalid"
                results = reader.get_validation_results() or {}
        except Exception as exc:  # no manifest (or not an MP4 at all)
            name = exc.__class__.__name__
            return CredentialReport(has_manifest=False, problems=[
                "this file carries no Content Credentials" if "NotFound" in name or "ManifestNotFound" in str(exc)
                else f"no readable Content Credentials ({name})"])
        active = store["manifests"][store["active_manifest"]]
        failures = (results.get("activeManifest") or {}).get("failure", [])
        hard = [f for f in failures if f["code"] != "signingCredential.untrusted"]
        report = CredentialReport(has_manifest=True, state=state, valid=state in ("Valid", "Trusted") and not hard)
        report.altered = any("mismatch" in f["code"] for f in failures)
        report.problems = [f"{f['code']}: {f['explanation']}" for f in hard]
        sig = active.get("signature_info") or {}
        report.signed_here = str(sig.get("cert_serial_number", "")) == self.serial
        for a in active.get("assertions", []):
            if a["label"].startswith("c2pa.actions"):
                report.ai_generated = any(x.get("digitalSourceType") == TRAINED_ALGORITHMIC_MEDIA
                                          for x in a["data"].get("actions", []))
            if a["label"] == GENERATION_LABEL:
                report.claims = dict(a["data"])
        for ing in active.get("ingredients", []):
            parent_manifest = store["manifests"].get(ing.get("active_manifest") or "", {})
            parent_claims = next((a["data"] for a in parent_manifest.get("assertions", [])
                                  if a["label"] == GENERATION_LABEL), {})
            entry = {"relationship": ing.get("relationship"), "title": ing.get("title"), "claims": parent_claims}
            (report.shots if ing.get("relationship") == "componentOf" else report.parents).append(entry)
        return report
