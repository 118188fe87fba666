export { Api, ApiCapabilities, ApiProps, FactoryApiProps, FlexpriceApiProps, FlownallyApiProps } from "./api";
export { ApiKey, ApiKeyProps } from "./api-key";
export { ConfigurationError } from "./errors";
export { Carrier } from "./hook-resource";
export { Engine } from "./engine";
export { ProviderPlatforms, ProviderPlatformsProps } from "./provider-platforms";
export { SecretStore, AgeFileStoreProps, AwsSecretsManagerStoreProps, VaultKv2StoreProps } from "./secret-store";
export { IServiceAccount, ServiceAccount, ServiceAccountFromIdProps, ServiceAccountProps } from "./service-account";
