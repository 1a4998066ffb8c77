// `npm start`: the same as `loupe serve`.
import { serve } from '../cli/serve.js';

serve().catch((e) => {
  process.stderr.write(`loupe: failed to start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
