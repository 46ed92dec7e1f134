// The school structure of each demo municipality. Names are in the style of the real ones but the
// data is synthetic; any other municipality code gets a generic structure.

export type Stage = 'F-6' | 'F-9' | '7-9' | 'GY';

export interface SchoolSpec {
  name: string;
  stage: Stage;
}

export interface MunicipalityCatalogue {
  /** Used in e-mail addresses and ePPNs. */
  domain: string;
  schools: SchoolSpec[];
  /** Relative size when one SIM_PERSONS total is split between tenants (inhabitants, thousands). */
  weight: number;
}

export const CATALOGUE: Record<string, MunicipalityCatalogue> = {
  '1494': {
    domain: 'lidkoping.se',
    weight: 39.5,
    schools: [
      { name: 'Framnässkolan', stage: 'F-6' },
      { name: 'Västra skolan', stage: 'F-6' },
      { name: 'Tunaskolan', stage: 'F-9' },
      { name: 'Esplanadskolan', stage: '7-9' },
      { name: 'Stenportskolan', stage: '7-9' },
      { name: 'De la Gardiegymnasiet', stage: 'GY' },
    ],
  },
  '1495': {
    domain: 'skara.se',
    weight: 18.9,
    schools: [
      { name: 'Djurgårdsskolan', stage: 'F-6' },
      { name: 'Ardalaskolan', stage: 'F-6' },
      { name: 'Vinstorpsskolan', stage: '7-9' },
      { name: 'Katedralskolan', stage: 'GY' },
    ],
  },
  '1471': {
    domain: 'gotene.se',
    weight: 13.3,
    schools: [
      { name: 'Källby skola', stage: 'F-6' },
      { name: 'Hällekis skola', stage: 'F-6' },
      { name: 'Ljungsbacka skola', stage: 'F-6' },
      { name: 'Centralskolan Götene', stage: '7-9' },
    ],
  },
  '1445': {
    domain: 'essunga.se',
    weight: 5.6,
    schools: [
      { name: 'Jonslunds skola', stage: 'F-6' },
      { name: 'Bärstadskolan', stage: 'F-6' },
      { name: 'Nossebroskolan', stage: '7-9' },
    ],
  },
};

export function catalogueFor(municipalityCode: string, tenantId: string): MunicipalityCatalogue {
  return (
    CATALOGUE[municipalityCode] ?? {
      domain: `${tenantId}.example.se`,
      weight: 10,
      schools: [
        { name: `Norra skolan ${tenantId}`, stage: 'F-6' },
        { name: `Södra skolan ${tenantId}`, stage: 'F-9' },
        { name: `Centralskolan ${tenantId}`, stage: '7-9' },
      ],
    }
  );
}

export const GY_PROGRAMMES = [
  { code: 'NA', name: 'Naturvetenskapsprogrammet' },
  { code: 'SA', name: 'Samhällsvetenskapsprogrammet' },
  { code: 'TE', name: 'Teknikprogrammet' },
  { code: 'EK', name: 'Ekonomiprogrammet' },
  { code: 'EE', name: 'El- och energiprogrammet' },
  { code: 'VO', name: 'Vård- och omsorgsprogrammet' },
];

export const GR_SUBJECTS = ['Sv', 'Ma', 'En', 'Idh', 'NO', 'SO', 'Bild', 'Musik', 'Slöjd', 'Tk'];
export const GY_COURSES = ['MATMAT01c', 'ENGENG05', 'SVESVE01', 'IDRIDR01', 'HISHIS01a1', 'NAKNAK01a1'];
