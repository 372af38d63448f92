/** What python_gitlab_admin.py's "features" scenario must answer, on every flag store. */
export function expectFeatureScenario(r: Record<string, any>): void {
  const gates = (step: string) => r[step]?.gates as Array<{ key: string; value: unknown }>;
  expect(r['features.set(true)']).toMatchObject({ state: 'on' });
  expect(r['features.list']).toMatchObject({ state: 'on' });
  expect(r['features.set(percentage on fully on)']).toMatchObject({ error: 'GitlabSetError' });
  expect(r['features.set(percentage on fully on)'].message).toContain(
    'Cannot enable percentage of time for a fully-enabled flag',
  );
  expect(r['feature.delete']).toBeNull();
  expect(r['features.list after delete']).toBe(0);
  for (const step of [
    'features.set(user)',
    'features.set(group)',
    'features.set(project)',
    'features.set(feature_group)',
  ]) {
    expect({ step, state: r[step]?.state ?? r[step] }).toEqual({ step, state: 'conditional' });
  }
  const actors = gates('features.set(project)').find((g) => g.key === 'actors')?.value;
  expect(actors).toHaveLength(3);
  expect(actors).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^User:\d+$/),
      expect.stringMatching(/^Group:\d+$/),
      expect.stringMatching(/^Project:\d+$/),
    ]),
  );
  expect(gates('features.set(feature_group)')).toContainEqual({
    key: 'groups',
    value: ['gitlab_team_members'],
  });
  expect(gates('features.set(percentage_of_actors)')).toContainEqual({
    key: 'percentage_of_actors',
    value: 25,
  });
  expect(gates('features.set(percentage_of_time)')).toContainEqual({
    key: 'percentage_of_time',
    value: 40,
  });
  expect(r['features.set(false)']).toMatchObject({ state: 'off' });
  expect(r['features.delete']).toBeNull();
  expect(r['features.list after features.delete']).toBe(0);
}
