/** A measured quantity: its code in payloads, its unit and its names. */
export interface Quantity {
  code: string;
  unit: string;
  vi: string;
  en: string;
}

/** A kind of sensor and the quantities it may report. */
export interface SensorType {
  code: string;
  vi: string;
  en: string;
  quantities: Quantity[];
}

const ug = 'µg/m³';

/** The sensor types of issue 16. A reading of a quantity its type does not list is refused (UNKNOWN_QUANTITY). */
export const SENSOR_TYPES: readonly SensorType[] = [
  {
    code: 'air', vi: 'Quan trắc không khí', en: 'Air quality',
    quantities: [
      { code: 'pm25', unit: ug, vi: 'Bụi PM2.5', en: 'PM2.5' },
      { code: 'pm10', unit: ug, vi: 'Bụi PM10', en: 'PM10' },
      { code: 'co', unit: ug, vi: 'Cacbon monoxit (CO)', en: 'Carbon monoxide' },
      { code: 'no2', unit: ug, vi: 'Nitơ đioxit (NO₂)', en: 'Nitrogen dioxide' },
      { code: 'so2', unit: ug, vi: 'Lưu huỳnh đioxit (SO₂)', en: 'Sulphur dioxide' },
      { code: 'o3', unit: ug, vi: 'Ôzôn (O₃)', en: 'Ozone' },
      { code: 'temperature', unit: '°C', vi: 'Nhiệt độ', en: 'Temperature' },
      { code: 'humidity', unit: '%', vi: 'Độ ẩm', en: 'Relative humidity' },
    ],
  },
  {
    code: 'water_quality', vi: 'Quan trắc chất lượng nước', en: 'Water quality',
    quantities: [
      { code: 'ph', unit: 'pH', vi: 'Độ pH', en: 'pH' },
      { code: 'do', unit: 'mg/L', vi: 'Oxy hòa tan (DO)', en: 'Dissolved oxygen' },
      { code: 'turbidity', unit: 'NTU', vi: 'Độ đục', en: 'Turbidity' },
      { code: 'conductivity', unit: 'µS/cm', vi: 'Độ dẫn điện', en: 'Conductivity' },
    ],
  },
  {
    code: 'water_level', vi: 'Mực nước sông, hồ chứa', en: 'River and reservoir water level',
    quantities: [{ code: 'level', unit: 'cm', vi: 'Mực nước', en: 'Water level' }],
  },
  {
    code: 'rainfall', vi: 'Đo mưa', en: 'Rainfall',
    quantities: [{ code: 'rainfall', unit: 'mm', vi: 'Lượng mưa', en: 'Rainfall' }],
  },
  {
    code: 'traffic', vi: 'Đếm lưu lượng giao thông', en: 'Traffic counter',
    quantities: [{ code: 'vehicles', unit: 'xe/chu kỳ', vi: 'Số phương tiện trong chu kỳ đo', en: 'Vehicles per interval' }],
  },
];

export const SENSOR_TYPE_CODES = SENSOR_TYPES.map((t) => t.code);
export const SENSOR_STATUSES = ['active', 'inactive', 'faulty'] as const;
export type SensorStatus = (typeof SENSOR_STATUSES)[number];

const byCode = new Map(SENSOR_TYPES.map((t) => [t.code, t]));
export function sensorType(code: string): SensorType | undefined {
  return byCode.get(code);
}
