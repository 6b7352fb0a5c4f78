package io.oneinfra.packaging.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A ValidatingAdmissionPolicy evaluated the way kube-apiserver does, with Google's CEL implementation (cel-java):
 * match the request against {@code matchConstraints.resourceRules}, then every {@code matchCondition}, then every
 * validation; the first false validation denies with its message (or messageExpression). An expression that errors
 * denies too ({@code failurePolicy: Fail}). Variables are typed {@code dyn} here, where the API server types them from
 * the schemas; the expressions are compiled and run by a real CEL engine all the same.
 */
final class AdmissionPolicy {
  private static final Cel CEL = CelFactory.standardCelBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addCompilerLibraries(CelExtensions.strings())
      .addRuntimeLibraries(CelExtensions.strings())
      .addVar("request", SimpleType.DYN)
      .addVar("object", SimpleType.DYN)
      .addVar("oldObject", SimpleType.DYN)
      .addVar("params", SimpleType.DYN)
      .addVar("namespaceObject", SimpleType.DYN)
      .build();

  /** The policy's answer: allowed, or denied with the message the API server would return. */
  record Decision(boolean allowed, String message) {}

  private final JsonNode spec;
  private final List<CelRuntime.Program> conditions = new ArrayList<>();
  private final List<CelRuntime.Program> validations = new ArrayList<>();
  private final List<Optional<CelRuntime.Program>> messages = new ArrayList<>();

  /** Compiles every expression of {@code policy}; a compile error fails here, naming the expression. */
  AdmissionPolicy(JsonNode policy) {
    this.spec = policy.path("spec");
    spec.path("matchConditions").forEach(c -> conditions.add(compile(c.path("expression").asText())));
    for (JsonNode validation : spec.path("validations")) {
      validations.add(compile(validation.path("expression").asText()));
      messages.add(validation.has("messageExpression")
          ? Optional.of(compile(validation.path("messageExpression").asText())) : Optional.empty());
    }
  }

  private static CelRuntime.Program compile(String expression) {
    try {
      return CEL.createProgram(CEL.compile(expression).getAst());
    } catch (CelValidationException | CelEvaluationException e) {
      throw new AssertionError("does not compile: " + expression + "\n" + e.getMessage(), e);
    }
  }

  /**
   * The decision for an admission request.
   *
   * @param request the AdmissionRequest as CEL sees it (operation, resource, subResource, userInfo, name, ...)
   * @param object the new object (null for DELETE)
   * @param oldObject the old object (null for CREATE)
   */
  Decision admit(Map<String, Object> request, Map<String, Object> object, Map<String, Object> oldObject) {
    if (!matches(request)) {
      return new Decision(true, "not matched by matchConstraints");
    }
    Map<String, Object> vars = new HashMap<>();
    vars.put("request", request);
    vars.put("object", object);
    vars.put("oldObject", oldObject);
    vars.put("params", null);
    vars.put("namespaceObject", null);
    for (CelRuntime.Program condition : conditions) {
      Object result = eval(condition, vars);
      if (result instanceof String error) {
        return new Decision(false, error);
      }
      if (!Boolean.TRUE.equals(result)) {
        return new Decision(true, "not matched by matchConditions");
      }
    }
    JsonNode specs = spec.path("validations");
    for (int i = 0; i < validations.size(); i++) {
      Object result = eval(validations.get(i), vars);
      if (!Boolean.TRUE.equals(result)) {
        String message = result instanceof String error ? error
            : messages.get(i).map(m -> String.valueOf(eval(m, vars)))
                .orElse(specs.get(i).path("message").asText());
        return new Decision(false, message);
      }
    }
    return new Decision(true, "all validations passed");
  }

  /** The result, or the evaluation error's text (which denies: failurePolicy Fail). */
  private static Object eval(CelRuntime.Program program, Map<String, Object> vars) {
    try {
      return program.eval(vars);
    } catch (CelEvaluationException e) {
      return "expression error (denied by failurePolicy Fail): " + e.getMessage();
    }
  }

  @SuppressWarnings("unchecked")
  private boolean matches(Map<String, Object> request) {
    Map<String, Object> resource = (Map<String, Object>) request.get("resource");
    String sub = String.valueOf(request.get("subResource"));
    String name = resource.get("resource") + (sub.isEmpty() ? "" : "/" + sub);
    for (JsonNode rule : spec.path("matchConstraints").path("resourceRules")) {
      if (contains(rule.path("apiGroups"), String.valueOf(resource.get("group")))
          && contains(rule.path("operations"), String.valueOf(request.get("operation")))
          && contains(rule.path("resources"), name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(JsonNode list, String value) {
    for (JsonNode entry : list) {
      if (entry.asText().equals(value) || entry.asText().equals("*")) {
        return true;
      }
    }
    return false;
  }
}
