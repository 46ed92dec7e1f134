const { projectConfig } = require('../../jest.preset');
// One test file at a time: the browser test measures live latency (publication → row on screen,
// promised under 2 s) and should not share the CPU with this project's own API tests.
module.exports = projectConfig(__dirname, { maxWorkers: 1 });
