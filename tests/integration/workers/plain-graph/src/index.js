import { shout } from "./lib/text.js";
import * as numbers from "./lib/numbers.js";

export default {
  fetch() {
    return new Response(shout(`sum ${numbers.sum(2, 3)}`));
  },
};
