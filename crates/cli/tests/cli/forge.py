"""Edit an Escalate store as someone holding its recovery passphrase would, with tools
that owe nothing to Escalate: key.json unsealed with Argon2id and XChaCha20-Poly1305
(argon2-cffi, PyNaCl), the database opened with an independent SQLCipher 4 build
(sqlcipher3). Used by tests/cli/record_is_log.rs.

    python3 forge.py DATA_DIR "SQL; SQL; ..."   (the passphrase in ESCALATE_PASSPHRASE)
    python3 forge.py DATA_DIR --append ACTION ENTITY ENTITY_ID AFTER_JSON AT

Prints the first column of each row a statement returns (so a test can read, too).
`--append` adds an entry at the end of the audit chain with a correct hash, as someone
who read Escalate's source would (the chain has no secret in it).
"""

import hashlib
import struct

import base64
import json
import os
import sys

try:
    import sqlcipher3
    from argon2.low_level import Type, hash_secret_raw
    from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt
except ImportError as e:  # pragma: no cover - says what to install
    print(f"MISSING {e.name}: run `make test`, which installs it", file=sys.stderr)
    sys.exit(2)

data, sql = sys.argv[1], sys.argv[2]
with open(os.path.join(data, "key.json"), encoding="utf-8") as f:
    k = json.load(f)
p = k["params"]
kek = hash_secret_raw(
    os.environ["ESCALATE_PASSPHRASE"].encode(),
    base64.b64decode(k["salt"]),
    time_cost=p["t_cost"],
    memory_cost=p["m_cost_kib"],
    parallelism=p["p_cost"],
    hash_len=32,
    type=Type.ID,
)
key = crypto_aead_xchacha20poly1305_ietf_decrypt(
    base64.b64decode(k["ciphertext"]),
    f"escalate key.json v1 {k['store_id']}".encode(),
    base64.b64decode(k["nonce"]),
    kek,
)
con = sqlcipher3.connect(os.path.join(data, "escalate.db"))
con.execute(f"PRAGMA key = \"x'{key.hex()}'\"")


def entry_hash(prev, seq, fields, before, after):
    h = hashlib.sha256(b"escalate audit v1")

    def field(b):
        if b is None:
            h.update(b"\x00")
        else:
            h.update(b"\x01" + struct.pack(">Q", len(b)) + b)

    field(prev.encode())
    field(struct.pack(">q", seq))
    for f in fields:
        field(f.encode())
    field(None if before is None else before.encode())
    field(None if after is None else after.encode())
    return h.hexdigest()


if sql == "--append":
    action, entity, entity_id, after, at = sys.argv[3:8]
    seq, prev = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq += 1
    actor = "Escalate (conversion: the log carries every word)"
    digest = entry_hash(prev, seq, [at, actor, action, entity, entity_id], None, after)
    con.execute(
        "INSERT INTO audit (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
        (seq, at, actor, action, entity, entity_id, after, prev, digest),
    )
    print(seq)
else:
    for statement in [s for s in sql.split(";") if s.strip()]:
        for row in con.execute(statement):
            print(row[0])
con.commit()
con.close()
