// The harness's foundation: finding the test infrastructure, waiting, probing the broker. It
// depends on no workspace lib, so the libs below @wfp/testing (messaging) can test with it too.
export * from './test-infra';
export * from './wait-for';
export * from './broker-probe';
