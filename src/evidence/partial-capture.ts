import { IrError, type IrErrorOptions } from '../errors.js';

/** A capture that stopped early; `partial` describes the files it left on disk. */
export class PartialCaptureError<T> extends IrError {
  constructor(message: string, readonly partial: T, options: IrErrorOptions) {
    super(message, options);
  }
}
