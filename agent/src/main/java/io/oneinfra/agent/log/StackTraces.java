package io.oneinfra.agent.log;

/** Layouts that print only a one-line exception summary unless told to print whole stack traces. */
interface StackTraces {
  /** Whether exceptions are printed with their stack trace (the root level is DEBUG or TRACE). */
  void setStackTraces(boolean stackTraces);
}
