-- 0013: the places of each department (issue 16, /dept_places): a street's management company, a settlement's
-- own administration. The card suggests departments by their keywords and by these places.
-- place_key: the parser's normalised key (street:школьный: for the whole street, street:школьный:3 for one
-- house, settlement:исправная); label: as people write it («ул. Школьная», «ст. Исправная»).
CREATE TABLE department_places (
    department_id INTEGER NOT NULL REFERENCES departments(id),
    place_key     TEXT NOT NULL,
    label         TEXT NOT NULL,
    PRIMARY KEY (department_id, place_key)
);
