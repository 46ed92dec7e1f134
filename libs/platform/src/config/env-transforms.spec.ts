import { Transform } from 'class-transformer';
import { IsBoolean, IsInt } from 'class-validator';
import { loadConfig } from './load-config';
import { envFlag, envInteger } from './env-transforms';

class FlagConfig {
  @Transform(envFlag) @IsBoolean() ENABLED: boolean = true;
  @Transform(envInteger) @IsInt() COUNT: number = 3;
}

describe(envFlag.name, () => {
  it.each([
    ['false', false],
    ['0', false],
    ['off', false],
    ['true', true],
    ['1', true],
  ])('reads %s as %s', (raw, expected) => {
    expect(loadConfig(FlagConfig, { ENABLED: raw }).ENABLED).toBe(expected);
  });

  it('keeps the default when unset and names the key when unreadable', () => {
    expect(loadConfig(FlagConfig, {}).ENABLED).toBe(true);
    expect(() => loadConfig(FlagConfig, { ENABLED: 'maybe' })).toThrow(/ENABLED/);
  });
});

describe(envInteger.name, () => {
  it('reads whole numbers and refuses the rest by name', () => {
    expect(loadConfig(FlagConfig, { COUNT: '42' }).COUNT).toBe(42);
    expect(() => loadConfig(FlagConfig, { COUNT: '4.5' })).toThrow(/COUNT/);
    expect(() => loadConfig(FlagConfig, { COUNT: 'many' })).toThrow(/COUNT/);
  });
});
