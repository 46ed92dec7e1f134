import { toScope } from './receive-webhook.controller';

describe(toScope.name, () => {
  it('pulls only what the register said changed, in either spelling', () => {
    expect(toScope({ modifiedEntites: ['Person'], deletedEntities: false })).toEqual({ entityTypes: ['Person'], deletions: false });
    expect(toScope({ modifiedEntities: ['Group', 'Duty'], deletedEntities: true })).toEqual({ entityTypes: ['Group', 'Duty'], deletions: true });
    expect(toScope({ modifiedEntites: [], deletedEntities: true })).toEqual({ entityTypes: [], deletions: true });
  });

  it('pulls everything when the body names nothing it knows', () => {
    expect(toScope(undefined)).toBeUndefined();
    expect(toScope({ modifiedEntites: ['Activity'] })).toBeUndefined();
    expect(toScope('not json')).toBeUndefined();
  });
});
