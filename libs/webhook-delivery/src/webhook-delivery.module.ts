import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EventIntakeService } from './event-intake.service';
import { ReceivedEvent, ReceivedEventSchema } from './received-event.schema';

@Module({
  imports: [MongooseModule.forFeature([{ name: ReceivedEvent.name, schema: ReceivedEventSchema }])],
  providers: [EventIntakeService],
  exports: [EventIntakeService],
})
export class WebhookDeliveryModule {}
