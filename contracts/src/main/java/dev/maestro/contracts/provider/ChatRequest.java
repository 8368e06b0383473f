package dev.maestro.contracts.provider;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A provider-neutral completion request. {@code messages} are
 * {@code {role: user|assistant, content: string | [parts]}} with parts {@code text {text}},
 * {@code image {mediaType, data} | {url}}, {@code tool_call {callId, name, arguments, signature?}},
 * {@code tool_result {callId, content, isError}} (in a user message), {@code thinking {text,
 * signature?, redactedData?}} (only signed thinking is sent back to Anthropic; other providers drop
 * it); {@code tools} are {@code {name, description, inputSchema}}. {@code provider} may be omitted
 * (the credential's provider is used). {@code extras}: {@code openaiApi: "chat"|"responses"} picks the
 * OpenAI API, {@code betas: [..]} adds {@code anthropic-beta} names; every other key is copied
 * verbatim into the upstream request body (e.g. {@code thinking}, {@code tool_choice}, {@code top_p}).
 */
@DataObject
@JsonGen(publicConverter = false)
public class ChatRequest {
  private String provider;
  private String credentialId;
  private String model;
  private String system;
  private JsonArray messages = new JsonArray();
  private JsonArray tools = new JsonArray();
  private Integer maxTokens;
  private Double temperature;
  private JsonObject extras = new JsonObject();
  /** The requesting node's cluster node id: provider-service stops the stream when that node leaves the cluster. */
  private String requesterNode;

  public ChatRequest() {}

  public ChatRequest(JsonObject json) {
    ChatRequestConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    ChatRequestConverter.toJson(this, json);
    return json;
  }

  public String getProvider() { return provider; }
  public ChatRequest setProvider(String provider) { this.provider = provider; return this; }
  public String getCredentialId() { return credentialId; }
  public ChatRequest setCredentialId(String credentialId) { this.credentialId = credentialId; return this; }
  public String getModel() { return model; }
  public ChatRequest setModel(String model) { this.model = model; return this; }
  public String getSystem() { return system; }
  public ChatRequest setSystem(String system) { this.system = system; return this; }
  public JsonArray getMessages() { return messages; }
  public ChatRequest setMessages(JsonArray messages) { this.messages = messages; return this; }
  public JsonArray getTools() { return tools; }
  public ChatRequest setTools(JsonArray tools) { this.tools = tools; return this; }
  public Integer getMaxTokens() { return maxTokens; }
  public ChatRequest setMaxTokens(Integer maxTokens) { this.maxTokens = maxTokens; return this; }
  public Double getTemperature() { return temperature; }
  public ChatRequest setTemperature(Double temperature) { this.temperature = temperature; return this; }
  public String getRequesterNode() { return requesterNode; }
  public ChatRequest setRequesterNode(String requesterNode) { this.requesterNode = requesterNode; return this; }
  public JsonObject getExtras() { return extras; }
  public ChatRequest setExtras(JsonObject extras) { this.extras = extras; return this; }
}
