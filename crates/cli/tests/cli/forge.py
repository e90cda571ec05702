"""Edit an Escalate store as someone holding its recovery passphrase would, with tools
that owe nothing to Escalate: key.json unsealed with Argon2id and XChaCha20-Poly1305
(argon2-cffi, PyNaCl), the database opened with an independent SQLCipher 4 build
(sqlcipher3). Used by tests/cli/record_is_log.rs.

    python3 forge.py DATA_DIR "SQL; SQL; ..."   (the passphrase in ESCALATE_PASSPHRASE)

Prints the first column of each row a statement returns (so a test can read, too).
"""

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
for statement in [s for s in sql.split(";") if s.strip()]:
    for row in con.execute(statement):
        print(row[0])
con.commit()
con.close()
