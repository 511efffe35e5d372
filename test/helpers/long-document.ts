/**
 * A long document (about 1,600 words, so several chunks) in which exactly one
 * paragraph answers "where is the spare key hidden?". The other paragraphs
 * share none of the question's words.
 */
const TOPICS = [
  'The committee reviewed the quarterly budget and agreed to revisit the plan in spring',
  'Volunteers repainted the community hall and replaced the old curtains with brighter ones',
  'The library extended its opening hours on weekdays for students preparing for exams',
  'A new cycling lane now connects the railway station with the market square downtown',
  'The bakery on the corner started selling sourdough loaves every Saturday morning early',
  'Residents discussed noise from the construction site and asked for quieter working hours',
];

/** The words that answer; the chunk that matches holds at least these. */
export const ANSWER_CORE = 'spare key is hidden under the blue flowerpot beside the shed';

export const ANSWER =
  'Before leaving for the holidays we agreed on one thing: the spare key is hidden under the blue flowerpot beside the shed, behind the rain barrel.';

export function longDocument(paragraphs = 26, answerAt = 17): string {
  return Array.from({ length: paragraphs }, (_, i) =>
    i === answerAt
      ? ANSWER
      : `Note ${i + 1}. ${TOPICS[i % TOPICS.length]}. ${TOPICS[(i + 2) % TOPICS.length]}, as minuted in meeting ${100 + i}. ${TOPICS[(i + 4) % TOPICS.length]}.`,
  ).join('\n\n');
}

export const QUESTION = 'Where is the spare key hidden?';
