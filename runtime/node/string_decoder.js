// node:string_decoder on the `string_decoder` npm package (Node's own
// module for bundlers).

import { moduleExports } from './module_table.js';

export const stringDecoderModule = () =>
  moduleExports({ StringDecoder: require('string_decoder').StringDecoder });
