// Every entry point of the package loads from CommonJS through require()
// (Node 20.19 and later load ES modules that way) and gives what the ESM
// import gives. Run against the built package, by its own name.
const assert = require('node:assert/strict');

const entries = {
  'datasource-registry': ['DataSourceRegistry', 'createMemoryEventStore', 'DataSourceError'],
  'datasource-registry/sqlite': ['createSqliteEventStore'],
  'datasource-registry/postgres': ['createPostgresEventStore'],
  'datasource-registry/schemas': ['jsonSchemas', 'eventJsonSchemas'],
};

(async () => {
  for (const [entry, names] of Object.entries(entries)) {
    const required = require(entry);
    const imported = await import(entry);
    for (const name of names) {
      assert.ok(
        ['function', 'object'].includes(typeof required[name]) && required[name] !== null,
        `${entry} exports ${name} to require()`,
      );
      assert.equal(
        required[name],
        imported[name],
        `${entry}: require() and import give one ${name}`,
      );
    }
  }
  console.log(`require() loads ${Object.keys(entries).length} entry points`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
