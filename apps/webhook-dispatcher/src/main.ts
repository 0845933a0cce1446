import './instrument';
import 'reflect-metadata';
import { runMain } from '@wfp/service-runtime';
import { bootstrap } from './bootstrap';

runMain('webhook-dispatcher', bootstrap);
