-- IoT sensors and their readings (issue 16, first slice).

-- A registered device. The MQTT/HTTP secret is kept only as a scrypt hash; it is shown once at registration.
CREATE TABLE iot_sensors (
  id              text PRIMARY KEY,
  type            text NOT NULL,
  name            text NOT NULL,
  lon             double precision NOT NULL,
  lat             double precision NOT NULL,
  commune_code    text REFERENCES admin_units (code),
  org_id          text NOT NULL REFERENCES organisations (id),
  installed_on    date NOT NULL,
  calibrated_on   date,
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'faulty')),
  -- Water-level stations: alarm levels I, II, III in cm ({"I": 350, "II": 420, "III": 480}).
  alarm_levels    jsonb,
  mqtt_username   text NOT NULL UNIQUE,
  secret_hash     text NOT NULL,
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX iot_sensors_filter_idx ON iot_sensors (type, commune_code, org_id, status);

-- Raw readings. The issue asks for time partitioning; a plain table keyed (sensor, quantity, ts) for now:
-- the key drops duplicates and serves series reads. Partitioning comes with retention (docs/iot.md).
CREATE TABLE iot_readings (
  sensor_id   text NOT NULL REFERENCES iot_sensors (id),
  quantity    text NOT NULL,
  ts          timestamptz NOT NULL,
  value       double precision NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sensor_id, quantity, ts)
);

-- The newest reading of each quantity of each sensor.
CREATE TABLE iot_latest (
  sensor_id   text NOT NULL REFERENCES iot_sensors (id),
  quantity    text NOT NULL,
  ts          timestamptz NOT NULL,
  value       double precision NOT NULL,
  PRIMARY KEY (sensor_id, quantity)
);

-- Hourly rollups, updated in the transaction that stores the readings. The mean is sum / count.
CREATE TABLE iot_hourly (
  sensor_id   text NOT NULL REFERENCES iot_sensors (id),
  quantity    text NOT NULL,
  hour        timestamptz NOT NULL,
  min         double precision NOT NULL,
  max         double precision NOT NULL,
  sum         double precision NOT NULL,
  count       bigint NOT NULL,
  last_ts     timestamptz NOT NULL,
  last_value  double precision NOT NULL,
  PRIMARY KEY (sensor_id, quantity, hour)
);

-- Readings refused, counted per device and reason (a device sending garbage is visible, not silent).
CREATE TABLE iot_rejections (
  sensor_id   text NOT NULL REFERENCES iot_sensors (id),
  code        text NOT NULL,
  count       bigint NOT NULL,
  last_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sensor_id, code)
);
