-- 0011: an invite is stored as the sha256 of its token (hex), never the token itself: a leaked database or
-- backup holds no usable link. The existing rows are converted here (sha256_hex is registered by storage/db.py).
-- An admin may revoke an invite nobody used yet (revoked_at, revoked_by; audited as invite_revoked).
UPDATE invites SET token = sha256_hex(token);
ALTER TABLE invites ADD COLUMN revoked_at TEXT;
ALTER TABLE invites ADD COLUMN revoked_by INTEGER;
