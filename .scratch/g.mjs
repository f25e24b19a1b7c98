import * as m from '../dist/monitor.js';
const f = Object.values(m);
