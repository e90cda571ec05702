-- Issue 16, hardened (docs/data-model.md, "Agency identity"): a counted package
-- remembers who signed it, so that a key revoked later can be answered with the list of
-- what it signed; and a package is known by its manifest id, so that the same package
-- sealed again (another file, the same signed manifest) is not held twice.

-- NULL for a package counted before signing, or accepted unsigned. `manifest` and
-- `signature` are kept as received, to check again; `signed_at` is the manifest's
-- `created_at`, what a revocation's date is compared with.
ALTER TABLE board_packages ADD COLUMN signer_key_id TEXT;
ALTER TABLE board_packages ADD COLUMN manifest TEXT;
ALTER TABLE board_packages ADD COLUMN signature TEXT;
ALTER TABLE board_packages ADD COLUMN manifest_id TEXT;
ALTER TABLE board_packages ADD COLUMN signed_at TEXT;
CREATE INDEX board_packages_manifest_id ON board_packages (manifest_id) WHERE manifest_id IS NOT NULL;
CREATE INDEX board_packages_signer ON board_packages (signer_key_id, signed_at) WHERE signer_key_id IS NOT NULL;

ALTER TABLE board_held ADD COLUMN manifest_id TEXT;
-- Held packages kept before this column: their manifest was checked when held, so its
-- id reads; a text that does not is left NULL rather than stop the upgrade.
UPDATE board_held SET manifest_id = json_extract(manifest, '$.id')
    WHERE manifest IS NOT NULL AND json_valid(manifest);
CREATE INDEX board_held_manifest_id ON board_held (manifest_id) WHERE manifest_id IS NOT NULL;
