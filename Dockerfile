# One image for every Ballast component; the command picks the component
# (see docker-compose.yml). Build: docker build -t ballast .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -pl launcher -am package

FROM eclipse-temurin:17-jre
WORKDIR /opt/ballast
COPY --from=build /src/launcher/target/ballast-launcher.jar launcher/target/ballast-launcher.jar
COPY --from=build /src/launcher/target/lib launcher/target/lib
COPY bin bin
# The image ships built jars: never try to run Maven inside it.
ENV BALLAST_SKIP_BUILD=1
ENTRYPOINT ["/opt/ballast/bin/ballast"]
CMD ["--help"]
