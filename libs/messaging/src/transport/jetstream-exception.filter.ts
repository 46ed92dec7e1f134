// Nest's default RPC exception filter replaces every error with "Internal server error", which would
// hide whether it is retryable. This filter hands the original error back to the transport.
import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

@Catch()
export class JetStreamExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
