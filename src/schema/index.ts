import { builder } from './builder';
import './enums';
import './vault-selector';
import './vault';
import './memory';
import './facts';
import './memory-event';
import './search';
import './memory-key';
import './provider-key';
import './chat';
import './usage';
import './snapshot';
import './vault-embedding';
import './migration';

export const schema = builder.toSchema({ sortSchema: false });
