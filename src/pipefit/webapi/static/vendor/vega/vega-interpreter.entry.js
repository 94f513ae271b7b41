// The CSP-safe expression interpreter of Vega 6, as a classic script: it sets
// vega.expressionInterpreter beside the vendored vega.min.js (loaded first).
import { expressionInterpreter } from "vega-interpreter";
globalThis.vega.expressionInterpreter = expressionInterpreter;
