-- 0014: the admins' list of places (issue 16, /places), beside the seed file bot/data/places.json.
-- kind: 'settlement' | 'street'; type: the canonical type word (станица, посёлок, улица, переулок…);
-- name: as the admin wrote it; place_key: how names compare (lower case, «ё» as «е», single spaces) —
-- the name for a settlement, «type:name» for a street, so «ул. Мира» and «пер. Мира» are two streets.
-- hidden = 1: a place of the seed file the admins removed (it stays in the file, the bot ignores it).
-- aliases: a JSON list of other names of a settlement.
CREATE TABLE places (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('settlement', 'street')),
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    place_key TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    added_by INTEGER,
    added_at TEXT NOT NULL,
    UNIQUE (kind, place_key)
);
