// `testTimeout` is a global Jest option (ignored per project): set this project's budget here.
jest.setTimeout(30_000);
