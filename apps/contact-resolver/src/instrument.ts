// First import of main.ts: tracing (when configured) must hook modules before they load.
import { startTracing } from '@wfp/tracing';

startTracing('contact-resolver');
