export * from './normalize-contact';
export * from './schemas';
export * from './contact-resolver.service';
export * from './contact-resolution.module';
