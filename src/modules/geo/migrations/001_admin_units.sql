-- Administrative units (the province and its 135 xã/phường after the 2025 reorganisation).
-- Geometry is GeoJSON with a bounding box for filtering: PostGIS is optional (see DESIGN.md).
CREATE TABLE admin_units (
  code          text PRIMARY KEY,
  level         text NOT NULL CHECK (level IN ('province', 'commune')),
  kind          text NOT NULL,                 -- 'tinh', 'xa', 'phuong'
  name          text NOT NULL,
  name_en       text NOT NULL,
  full_name     text NOT NULL,
  full_name_en  text NOT NULL,
  code_name     text NOT NULL,
  parent_code   text REFERENCES admin_units (code),
  min_lon double precision, min_lat double precision, max_lon double precision, max_lat double precision,
  geometry      jsonb
);
CREATE INDEX admin_units_parent_idx ON admin_units (parent_code);
CREATE INDEX admin_units_fold_idx ON admin_units (provdata_fold(name));
