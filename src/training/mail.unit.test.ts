import { describe, expect, it } from 'vitest';
import { trainingRun } from '../../test/support/trainings.ts';
import type { EventData } from '../events/catalog.ts';
import { contactAddresses, reportMail } from './mail.ts';

const completed = trainingRun('FCAL_ring', 'FCAL_ring-1').events.find((e) => e.type === 'training.completed')!
  .data as EventData<'training.completed'>;

describe('the training report e-mail', () => {
  it('goes to the addresses in the contact, and to no one when it names none', () => {
    expect(contactAddresses('ann@jlab.test; bob@jlab.test, the FCAL shift lead')).toEqual([
      'ann@jlab.test',
      'bob@jlab.test',
    ]);
    expect(reportMail(completed, 'the FCAL shift lead', { publicUrl: 'http://h', from: 'x@y.z' })).toBeNull();
    expect(reportMail(completed, undefined, { publicUrl: 'http://h', from: 'x@y.z' })).toBeNull();
  });

  it('links the report under the public address and says how the model did', () => {
    const m = reportMail(completed, 'ann@jlab.test', { publicUrl: 'https://hydra.jlab.org/', from: 'hydra@jlab.org' })!;
    expect(m.to).toEqual(['ann@jlab.test']);
    expect(m.text).toContain('Training report: https://hydra.jlab.org/training/FCAL_ring-1');
    expect(m.subject).toContain('FCAL_ring');
    expect(m.text).toMatch(/validation accuracy 90\.0 %, balanced accuracy 90\.0 %/);
  });
});
