// Name material for synthetic people: common Swedish names plus the cases that break naive code —
// å ä ö é, hyphenated and double given names, middle names, particles, names from other languages
// and very long names.

export const GIVEN_FEMALE = [
  'Alice', 'Maja', 'Elsa', 'Astrid', 'Wilma', 'Freja', 'Ebba', 'Alma', 'Olivia', 'Ella', 'Selma', 'Agnes',
  'Saga', 'Vera', 'Signe', 'Ines', 'Märta', 'Åsa', 'Linnéa', 'Chloé', 'Léa', 'Zoë', 'Björg', 'Ylva', 'Ronja',
  'Tove', 'Sofia', 'Emma', 'Klara', 'Hedvig', 'Irmelin', 'Nour', 'Amira', 'Fatima', 'Aisha', 'Ängla', 'Gunnel',
  'Karin', 'Eva', 'Ingrid', 'Britt', 'Margareta', 'Lena', 'Anneli', 'Malin', 'Jenny', 'Sara', 'Annika',
];

export const GIVEN_MALE = [
  'William', 'Liam', 'Noah', 'Hugo', 'Lucas', 'Oliver', 'Elias', 'Adam', 'Alexander', 'Vincent', 'Olle',
  'Nils', 'Gustav', 'Måns', 'Björn', 'Göran', 'Sören', 'André', 'José', 'Noé', 'Åke', 'Örjan', 'Ludvig',
  'Theo', 'Sixten', 'Melvin', 'Ali', 'Omar', 'Yusuf', 'Mohammed', 'Ibrahim', 'Arvid', 'Edvin', 'Malte',
  'Lars', 'Per', 'Anders', 'Johan', 'Mikael', 'Stefan', 'Fredrik', 'Magnus', 'Håkan', 'Jörgen', 'Kjell',
];

/** Given names that are themselves hyphenated. */
export const HYPHENATED_GIVEN = {
  female: ['Anna-Karin', 'Eva-Lena', 'Ann-Sofie', 'Mari-Louise', 'Lise-Lotte', 'Ulla-Britt'],
  male: ['Lars-Göran', 'Per-Åke', 'Jan-Erik', 'Karl-Johan', 'Nils-Örjan', 'Hans-Peter'],
};

/** Two given names carried together ("tilltalsnamn" pairs). */
export const DOUBLE_GIVEN = {
  female: ['Anna Karin', 'Eva Maria', 'Lisa Marie', 'Sara Linnéa'],
  male: ['Karl Johan', 'Per Olof', 'Erik Gustaf', 'Jan Åke'],
};

export const MIDDLE_NAMES = ['Maria', 'Elisabeth', 'Johan', 'Erik', 'Kristina', 'Viktor', 'Louise', 'Gabriel', 'Sofia', 'Axel'];

export const FAMILY = [
  'Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson',
  'Gustafsson', 'Pettersson', 'Jonsson', 'Jansson', 'Hansson', 'Bengtsson', 'Jönsson', 'Lindberg', 'Jakobsson',
  'Magnusson', 'Lindström', 'Olofsson', 'Lindqvist', 'Lindgren', 'Berg', 'Axelsson', 'Bergström', 'Lundberg',
  'Lundgren', 'Lundqvist', 'Mattsson', 'Berglund', 'Fredriksson', 'Sandberg', 'Henriksson', 'Ström', 'Åberg',
  'Öberg', 'Ågren', 'Östlund', 'Sjögren', 'Söderström', 'Håkansson', 'Björk', 'Wallén', 'Lindén', 'Hermansson',
  'Nguyễn', 'Yılmaz', 'Kowalczyk', 'Mäkelä', 'Al-Hassan', 'Hussein', 'Ödegaard', 'Müller', 'García', 'Ahmadi',
];

export const FAMILY_WITH_PARTICLE = ['af Klercker', 'von Essen', 'de Geer', 'af Ugglas', 'von Platen', 'De la Gardie'];

/** Names longer than most directory attributes allow (sAMAccountName 20, cn 64 …). */
export const VERY_LONG = {
  given: ['Maximiliana Carolina Fredrika Augusta', 'Karl-Gustaf Wilhelm Johan Fredrik'],
  family: ['Wallenius-Åkerström-Bergqvist-Östergren', 'Hammarskjöld-Löwenhielm af Wetterstedt'],
};
