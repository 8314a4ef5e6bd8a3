import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { repeatedOptions } from './options.ts';

const command = new Command('train')
  .option('--plot <name>')
  .option('--epochs [n]')
  .option('--tag <tags...>')
  .option('--wait')
  .option('-r, --run <n>');

describe('repeated CLI options', () => {
  it('refuses a value option given twice, in any spelling', () => {
    expect(repeatedOptions(command, ['train', '--plot', 'A', '--plot', 'B'])).toEqual(['--plot']);
    expect(repeatedOptions(command, ['train', '--plot=A', '--plot', 'B', '-r', '1', '--run=2'])).toEqual([
      '--plot',
      '--run',
    ]);
    expect(repeatedOptions(command, ['train', '--epochs', '--epochs', '3'])).toEqual(['--epochs']);
  });
  it('lets flags and many-valued options repeat, and ignores words after --', () => {
    expect(repeatedOptions(command, ['train', '--wait', '--wait', '--tag', 'a', '--tag', 'b'])).toEqual([]);
    expect(repeatedOptions(command, ['train', '--plot', 'A', '--', '--plot', 'B'])).toEqual([]);
  });
});
