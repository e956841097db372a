/* The C interface between the model server and its gRPC front end.
 *
 * The front end (libtfx_core_grpc_frontend.so) links Debian's gRPC and protobuf, whose symbols
 * clash with TensorFlow's protobuf; the server loads it with dlopen(RTLD_LOCAL | RTLD_DEEPBIND)
 * and only bytes cross this interface. The front end serves every method generically: it hands
 * the method's full name ("/tensorflow.serving.PredictionService/Predict") and the serialized
 * request to the handler, and sends back the serialized response or the error. */
#ifndef OPS_SERVING_GRPC_FRONTEND_H_
#define OPS_SERVING_GRPC_FRONTEND_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returns a gRPC status code (0 is OK). On OK, *response holds malloc'd bytes; otherwise
 * *error_message holds a malloc'd, NUL-terminated message. The front end frees both.
 * timeout_ms is the time left before the call's deadline, or -1 when it has none. */
typedef int (*tfxc_grpc_handler)(void* context, const char* method, const char* request,
                                 size_t request_size, int64_t timeout_ms, char** response,
                                 size_t* response_size, char** error_message);

/* Starts serving on address ("0.0.0.0:8500"; port 0 picks a free one) with num_threads
 * completion-queue threads, each running handlers inline. Returns a server handle and sets
 * *port, or NULL with a malloc'd *error. */
typedef void* (*tfxc_grpc_start_fn)(const char* address, int num_threads,
                                    int max_message_bytes, tfxc_grpc_handler handler,
                                    void* context, int* port, char** error);
/* Stops accepting calls, finishes those in flight, and frees the server. */
typedef void (*tfxc_grpc_stop_fn)(void* server);

#define TFXC_GRPC_START "tfxc_grpc_start"
#define TFXC_GRPC_STOP "tfxc_grpc_stop"

#ifdef __cplusplus
}
#endif

#endif /* OPS_SERVING_GRPC_FRONTEND_H_ */
