// a module worker: its import is one request, the imported file's fetch another
import { ask } from "./module-helper.mjs";
ask("/shared/from-module.json");
