import { builder } from './builder';
import './enums';
import './vault';
import './memory';
import './search';
import './memory-key';
import './chat';
import './usage';

export const schema = builder.toSchema({ sortSchema: false });
